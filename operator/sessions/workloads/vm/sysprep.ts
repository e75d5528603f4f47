// The sysprep answer file (autounattend.xml) for Windows guests: the computer name, the session owner
// as a local user with the session's password (a member of Remote Desktop Users), Remote Desktop
// switched on and let through the firewall, and the proposal data mapped as NFS drives at first logon
// (Windows' Client for NFS). It holds a password, so it travels in a Secret (sysprep.secret).
import type { GuestMount } from './guest-data.ts';

export interface SysprepInput {
  computerName: string;
  user: string;
  password: string;
  mounts: GuestMount[];
}

/** Drive letters for the data areas, in the order the areas come (Z: first, like mapped shares). */
const DRIVES = 'ZYXWVUTSRQPONMLKJIHGF';

function xml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Windows computer names: at most 15 characters (NetBIOS). */
export function windowsComputerName(machineName: string): string {
  return machineName.slice(0, 15).replace(/-+$/, '');
}

/** Which drive each data area gets in the guest (README: how Windows guests reach the data). */
export function windowsDrives(mounts: GuestMount[]): { drive: string; mount: GuestMount }[] {
  return mounts.slice(0, DRIVES.length).map((mount, i) => ({ drive: `${DRIVES[i] ?? 'Z'}:`, mount }));
}

export function sysprepAnswerFile(s: SysprepInput): string {
  const arch =
    'processorArchitecture="amd64" publicKeyToken="31bf3856ad364e35" language="neutral" versionScope="nonSxS"';
  const commands = [
    'dism /online /enable-feature /featurename:ServicesForNFS-ClientOnly /featurename:ClientForNFS-Infrastructure /all /norestart',
    ...windowsDrives(s.mounts).map(
      ({ drive, mount }) =>
        `mount -o anon,nolock,mtype=hard \\\\${mount.server}${mount.path.replace(/\//g, '\\')} ${drive}`,
    ),
  ];
  const logonCommands = commands
    .map(
      (c, i) => `        <SynchronousCommand wcm:action="add">
          <Order>${String(i + 1)}</Order>
          <CommandLine>cmd /c ${xml(c)}</CommandLine>
        </SynchronousCommand>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<unattend xmlns="urn:schemas-microsoft-com:unattend" xmlns:wcm="http://schemas.microsoft.com/WMIConfig/2002/State">
  <settings pass="specialize">
    <component name="Microsoft-Windows-Shell-Setup" ${arch}>
      <ComputerName>${xml(s.computerName)}</ComputerName>
    </component>
    <component name="Microsoft-Windows-TerminalServices-LocalSessionManager" ${arch}>
      <fDenyTSConnections>false</fDenyTSConnections>
    </component>
    <component name="Networking-MPSSVC-Svc" ${arch}>
      <FirewallGroups>
        <FirewallGroup wcm:action="add" wcm:keyValue="RemoteDesktop">
          <Active>true</Active>
          <Group>Remote Desktop</Group>
          <Profile>all</Profile>
        </FirewallGroup>
      </FirewallGroups>
    </component>
  </settings>
  <settings pass="oobeSystem">
    <component name="Microsoft-Windows-Shell-Setup" ${arch}>
      <OOBE>
        <HideEULAPage>true</HideEULAPage>
        <HideOnlineAccountScreens>true</HideOnlineAccountScreens>
        <HideWirelessSetupInOOBE>true</HideWirelessSetupInOOBE>
        <ProtectYourPC>3</ProtectYourPC>
      </OOBE>
      <UserAccounts>
        <LocalAccounts>
          <LocalAccount wcm:action="add">
            <Name>${xml(s.user)}</Name>
            <Group>Users;Remote Desktop Users</Group>
            <Password>
              <Value>${xml(s.password)}</Value>
              <PlainText>true</PlainText>
            </Password>
          </LocalAccount>
        </LocalAccounts>
      </UserAccounts>
      <FirstLogonCommands>
${logonCommands}
      </FirstLogonCommands>
    </component>
  </settings>
</unattend>
`;
}
